# Offline stand-in for prom/prometheus: Debian's prometheus 2.42 (with promtool), plus wget
# for the health check (the official image has busybox wget). Runs as nobody with its TSDB
# in /prometheus, like the official image.
ARG BASE_IMAGE=gameday-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus /etc/prometheus \
 && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
