# Offline stand-in for the official haproxy image: Debian's haproxy 2.6 (built with the
# Prometheus exporter). Like the official image it runs as user haproxy and reads
# /usr/local/etc/haproxy/haproxy.cfg.
ARG BASE_IMAGE=gameday-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/etc/haproxy /var/lib/haproxy \
 && chown haproxy:haproxy /var/lib/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
ENTRYPOINT ["haproxy", "-W", "-db"]
CMD ["-f", "/usr/local/etc/haproxy/haproxy.cfg"]
