# Offline stand-in for python:3.11-slim: Debian's python3 (3.11) in a venv at /opt/venv that
# is first on PATH (so `python` and `pip` behave as in the official image), and a wheelhouse
# in /wheels that every `pip install` uses instead of PyPI. Build context: the wheelhouse.
ARG BASE_IMAGE=gameday-offline/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/venv
COPY . /wheels
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_NO_INDEX=1 \
    PIP_FIND_LINKS=/wheels \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
CMD ["python"]
