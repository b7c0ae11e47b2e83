from newsetl.cli.main import app

app(prog_name="newsetl")
