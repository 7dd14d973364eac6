# The portal's image: web (gunicorn), worker and beat (celery) all run it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    PRIVATE_MEDIA_ROOT=/data/private

# WeasyPrint's libraries, and the fonts certificates are drawn with (Latin,
# Cyrillic, Arabic, Devanagari, Bengali, Khmer, Sinhala…, and Chinese/Japanese/Korean):
# the "render" packages of system-packages.txt.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-noto-core fonts-noto-cjk fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# Build-time only: neither step reads the database or the deployment's secret.
RUN SECRET_KEY=image-build-only python manage.py compiletranslations \
    && SECRET_KEY=image-build-only python manage.py collectstatic --no-input

RUN useradd --system --uid 10001 --home-dir /app toa \
    && mkdir -p /data/private /data/keys /app/var \
    && chown toa /data/private /data/keys /app/var
USER toa

EXPOSE 8000
CMD ["gunicorn", "toa_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
