from acuback.cli import app

app()
