"""`uvicorn app.main:app`: the app with settings from the environment."""

from app.web.app import create_app

app = create_app()
