# Sourced by the scripts here: `compose ARGS` runs Compose v2 (`docker compose`) when the
# plugin is installed, else docker-compose 1.29. Both accept the same files (format 2.4).
compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose "$@"
    elif command -v docker-compose >/dev/null 2>&1; then
        docker-compose "$@"
    else
        echo "error: neither 'docker compose' nor 'docker-compose' is installed" >&2
        return 127
    fi
}
