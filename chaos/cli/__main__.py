from chaos.cli import app

app()
