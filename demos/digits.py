"""Handwritten digits with a scalar engine: one example's graph, trained over minibatches at NumPy speed.

    python demos/digits.py                  # 20 epochs, prints test accuracy, writes out/digits.png
    python demos/digits.py --engine         # then one more epoch the slow way, for comparison
    python demos/digits.py --epochs 2 --examples 300 --out /tmp/digits

The data are UCI's optical digits (demos/data/digits.csv.gz, 1,797 images of
8×8 pixels, 0..16 each; see demos/data/README.md), shuffled and split into
1,438 for training and 359 for testing. The network is MLP(64, [32, 10])
(relu, then ten logits), trained with Adam on the softmax cross-entropy.

The graph is that of *one* image: its 64 pixels and its one-hot label are
leaves, 74 in all, named in ``batch``::

    loss = cross_entropy(model(pixels), one_hot)
    program = autograd.compile(loss, batch=[*pixels, *one_hot])
    program.over(minibatch)     # 64 rows of 74 numbers: each row's loss, and the
                                # mean gradient added into the weights' .grad

With NumPy every node of that graph is one vector operation over the 64 rows.
The engine would build 64 such graphs, 2,400 weights each, for every step:
``--engine`` shows how long one epoch takes that way.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import time
from pathlib import Path
from typing import Any

import autograd
from autograd import Value
from glassgrad.cli import output_folder_or_exit
from nn import MLP, Adam, cross_entropy

DATA = Path(__file__).resolve().parent / "data" / "digits.csv.gz"
PIXELS, CLASSES = 64, 10


def load_digits(path: Path = DATA) -> tuple[list[list[float]], list[int]]:
    """The images (64 pixels each, scaled to 0..1) and their digits."""
    images, digits = [], []
    with gzip.open(path, "rt", encoding="ascii") as f:
        for line in f:
            numbers = [float(x) for x in line.split(",")]
            images.append([x / 16.0 for x in numbers[:PIXELS]])
            digits.append(int(numbers[PIXELS]))
    return images, digits


def split(n: int, test: int, seed: int) -> tuple[list[int], list[int]]:
    """Shuffled indices of ``n`` examples: the training ones, then ``test`` for testing."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order[test:], order[:test]


def one_example(model: MLP) -> tuple[Value, list[Value], list[Value], list[Value]]:
    """One image's graph: its loss, its pixel leaves, its one-hot label leaves and its ten logits."""
    pixels = [Value(0.0, label=f"x{i}") for i in range(PIXELS)]
    one_hot = [Value(0.0, label=f"y{k}") for k in range(CLASSES)]
    logits: list[Value] = model(pixels)  # type: ignore[assignment]
    return cross_entropy(logits, one_hot), pixels, one_hot, logits


class Classifier:
    """The model and its compiled programs: the loss over rows, and each logit over images."""

    def __init__(self, model: MLP) -> None:
        import numpy as np

        self.np = np
        self.model = model
        loss, pixels, one_hot, logits = one_example(model)
        self.loss = autograd.compile(loss, batch=[*pixels, *one_hot])
        # A program has one root: ten small ones give the ten logits of each image.
        self.logits = [autograd.compile(z, batch=pixels) for z in logits]

    def rows(self, images: Any, digits: Any) -> Any:
        """Images and their one-hot digits side by side: the rows of ``self.loss``."""
        return self.np.hstack([images, self.np.eye(CLASSES)[digits]])

    def guesses(self, images: Any) -> Any:
        """The digit each image is taken for: its largest logit."""
        scores = self.np.column_stack([p.over(images, reduce=None) for p in self.logits])
        return scores.argmax(axis=1)


def train(
    classifier: Classifier, images: Any, digits: Any, epochs: int, batch_size: int, seed: int, progress: bool
) -> float:
    """Adam over shuffled minibatches for ``epochs`` epochs; returns the last epoch's mean loss."""
    from tqdm import tqdm

    np = classifier.np
    rows = classifier.rows(images, digits)
    optimizer = Adam(classifier.model.parameters(), lr=0.01)
    rng = np.random.default_rng(seed)
    steps = epochs * -(-len(rows) // batch_size)
    bar = tqdm(total=steps, desc="over", unit="step", disable=None if progress else True)
    mean = float("nan")
    for epoch in range(epochs):
        order = rng.permutation(len(rows))
        losses = []
        for start in range(0, len(rows), batch_size):
            optimizer.zero_grad()
            losses.append(classifier.loss.over(rows[order[start : start + batch_size]]))  # adds the mean grad
            optimizer.step()
            bar.update()
        mean = float(np.concatenate(losses).mean())
        bar.set_postfix(epoch=epoch + 1, loss=f"{mean:.4f}")
    bar.close()
    return mean


def engine_epoch(model: MLP, images: Any, digits: Any, batch_size: int) -> float:
    """One epoch the engine's way: every minibatch builds a graph per image and calls backward(); seconds."""
    optimizer = Adam(model.parameters(), lr=0.01)
    start = time.perf_counter()
    for first in range(0, len(images), batch_size):
        optimizer.zero_grad()
        batch = range(first, min(first + batch_size, len(images)))
        terms = []
        for i in batch:
            one_hot = [1.0 if k == digits[i] else 0.0 for k in range(CLASSES)]
            terms.append(cross_entropy(model(list(images[i])), one_hot))  # type: ignore[arg-type]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        (total * (1.0 / len(terms))).backward()
        optimizer.step()
    return time.perf_counter() - start


def picture(images: Any, digits: Any, guesses: Any, path: Path, title: str, count: int = 60) -> None:
    """Test digits with the network's guesses; the wrong ones (first, then right ones) framed in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wrong = [i for i in range(len(digits)) if guesses[i] != digits[i]]
    right = [i for i in range(len(digits)) if guesses[i] == digits[i]]
    shown = (wrong[: count // 3] + right)[:count]
    columns = 12
    fig, axes = plt.subplots(
        -(-count // columns), columns, figsize=(columns * 0.95, -(-count // columns) * 1.15), dpi=110
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, shown, strict=False):
        ax.imshow(images[i].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
        ok = guesses[i] == digits[i]
        ax.set_title(
            f"{guesses[i]}" if ok else f"{guesses[i]} (is {digits[i]})",
            fontsize=9,
            color="black" if ok else "#c0392b",
        )
        if not ok:
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_edgecolor("#c0392b")
                spine.set_linewidth(2.5)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    parser.add_argument("--batch-size", type=int, default=64, help="rows per minibatch (default 64)")
    parser.add_argument("--examples", type=int, default=1797, help="use only this many images (default all)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the split, the weights and the order")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for digits.png (default out/)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--engine", action="store_true", help="then train one epoch by the engine, for its time"
    )
    args = parser.parse_args(argv)
    output_folder_or_exit(parser.prog, args.out)  # before any work: a run that cannot write says so first
    if args.epochs < 1 or args.batch_size < 1 or not 20 <= args.examples <= 1797:
        parser.error("--epochs and --batch-size must be at least 1, --examples between 20 and 1797")
    import numpy as np

    all_images, all_digits = load_digits()
    images, digits = np.array(all_images[: args.examples]), np.array(all_digits[: args.examples])
    train_at, test_at = split(len(images), len(images) // 5, args.seed)
    model = MLP(PIXELS, [32, CLASSES], seed=args.seed)
    print(
        f"{model}: {len(model.parameters())} parameters; {len(train_at)} training, {len(test_at)} test images"
    )

    start = time.perf_counter()
    classifier = Classifier(model)
    compiled = time.perf_counter() - start
    loss = train(
        classifier,
        images[train_at],
        digits[train_at],
        args.epochs,
        args.batch_size,
        args.seed,
        progress=not args.no_progress,
    )
    seconds = time.perf_counter() - start
    guesses = classifier.guesses(images[test_at])
    accuracy = float((guesses == digits[test_at]).mean())
    print(
        f"after {args.epochs} epochs: training loss {loss:.4f}, test accuracy {accuracy:.1%} "
        f"({int((guesses != digits[test_at]).sum())} of {len(test_at)} wrong)"
    )
    steps = args.epochs * -(-len(train_at) // args.batch_size)
    print(
        f"trained through program.over ({classifier.loss.backend}) in {seconds:.2f} s, compiling "
        f"({compiled:.2f} s) included: {(seconds - compiled) / args.epochs:.2f} s an epoch, "
        f"{steps / (seconds - compiled):.0f} steps/s"
    )

    path = args.out / "digits.png"
    title = f"MLP(64, [32, 10]) on test digits: {accuracy:.1%} right (guesses above; wrong ones in red)"
    picture(images[test_at], digits[test_at], guesses, path, title)
    print(f"test digits and guesses written to {path}")

    if args.engine:
        engine = engine_epoch(
            MLP(PIXELS, [32, CLASSES], seed=args.seed), images[train_at], digits[train_at], args.batch_size
        )
        per_epoch = (seconds - compiled) / args.epochs
        print(f"one epoch by the engine (--engine): {engine:.1f} s, {engine / per_epoch:.0f}× program.over's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
