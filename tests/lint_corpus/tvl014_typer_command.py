# expect: TVL014
import torch
import typer

app = typer.Typer()


@app.command()
def evaluate(checkpoint: str, batch_size: int = 32):
    state = torch.load(checkpoint, map_location="cpu")
    print(len(state), batch_size)


if __name__ == "__main__":
    app()
