# Offline stand-in for prom/alertmanager: Debian's prometheus-alertmanager 0.25 (installed as
# /usr/bin/prometheus-alertmanager; linked as `alertmanager`, the official image's name), plus
# wget for the health check (the official image has busybox wget).
ARG BASE_IMAGE=gameday-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus-alertmanager wget \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/prometheus-alertmanager /usr/local/bin/alertmanager \
 && mkdir -p /etc/alertmanager
EXPOSE 9093
ENTRYPOINT ["alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/tmp/alertmanager"]
