# Offline stand-in for gcr.io/etcd-development/etcd: Debian's etcd-server (3.4) and etcdctl.
# Same contract as the official image as the stack uses it: `etcd` and `etcdctl` on PATH,
# data under /var/lib/etcd (a named volume), flags given by the Compose file.
ARG BASE_IMAGE=gameday-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends etcd-server etcd-client \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/etcd && chown etcd:etcd /var/lib/etcd
USER etcd
EXPOSE 2379 2380
ENTRYPOINT ["etcd"]
