"""FastAPI: the JSON API, the HTML pages, and the websockets."""
