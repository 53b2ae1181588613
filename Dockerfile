# Common Ground — production image.
# Build: docker build -t common-ground .   Run: see compose.yaml and README "Scaling out".

# ---- build: wheels for the app and its pinned dependencies ----
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.lock \
 && pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# ---- run: slim Python, the libraries WeasyPrint needs, no compilers ----
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////data/common-ground.db \
    WORKSHOPS_DIR=/app/workshops
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0=1.50.* libpangoft2-1.0-0=1.50.* libharfbuzz-subset0=6.0.* fonts-dejavu-core=2.37-* \
      fonts-noto-core=20201225-* fonts-noto-cjk=1:20220127+* fonts-noto-color-emoji=2.042-* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 app \
 && mkdir /data && chown app:app /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels common-ground==0.1.0 \
 && rm -rf /wheels
WORKDIR /app
COPY workshops ./workshops
USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=4)"]
CMD ["python", "-m", "app"]
