"""bench/lstm.py: the measuring half of bench/lstm (see there for the method).

    lstm.py run --threads N [--epochs E] [--runs R] [--torch-only] --out FILE
        measures everything at N threads and writes the figures as JSON;
        bench/lstm runs it once per thread count, each in a fresh process
        started with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = N
    lstm.py report FILE...
        prints the side-by-side table of those runs

Connects with the PG* environment bench/lstm sets up; the tables
fashion_mnist and fashion_mnist_test (id, label, pixels real[784] in [0,1])
must be loaded.  The harness is bench/nnbench.py's; this file describes the
model: each image read as 28 steps (rows) of 28 features, an LSTM of 128
units whose last state feeds a dense layer of 10.  Progress goes to stderr,
the report to stdout.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnbench  # noqa: E402

T, F, U, CLASSES = 28, 28, 128, 10
LAYERS = f'[{{"type":"lstm","units":{U}}},{{"type":"dense","units":{CLASSES}}}]'
# FLOPs of one image forward: each step multiplies [x_t, h_{t-1}] (F + U) by
# the four gates' weights (F + U, 4U), 2 * 4U * (F + U) a step, counted for
# all T steps (step 0's recurrent product is on the zero state: pgdl skips
# it, PyTorch does it); then 2 * U * 10 for the dense layer.  The gates'
# nonlinearities and the cell update are not counted.  Training: 3 x forward.
FLOP_LSTM = T * 2 * 4 * U * (F + U)
FLOP_DENSE = 2 * U * CLASSES


def torch_model(torch):
    torch.manual_seed(nnbench.SEED)
    nn = torch.nn

    class LastStep(nn.Module):
        """nn.LSTM over the 28 steps, its last step's output into nn.Linear."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(F, U, batch_first=True)
            self.dense = nn.Linear(U, CLASSES)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.dense(out[:, -1])

    return LastStep()


BENCH = nnbench.Bench(
    name="lstm", title="an LSTM on Fashion-MNIST (28 steps x 28 features)", model="fmnist_lstm", layers=LAYERS,
    input_shape=[T, F], torch_model=torch_model, flop_forward=FLOP_LSTM + FLOP_DENSE,
    flop_note=f"LSTM {FLOP_LSTM:,} = 28 steps x 2 x 4U(F+U) with F = {F}, U = {U}; dense {FLOP_DENSE:,}",
    model_lines=(f"each image as {T} steps x {F} features, LSTM {U} units (gates i, f, c, o), last state,"
                 f" dense {U}->{CLASSES}",
                 "PyTorch nn.LSTM(28, 128, batch_first=True), output[:, -1], nn.Linear(128, 10); "),
    train_target=1.0,
    notes=["accuracy and % of peak: the difference in points.  FLOPs count the LSTM's gate products",
           "(2 x 4U(F+U) a step, all 28 steps) and the dense layer only, x 3 for a training step, the same for both",
           "sides; step 0's recurrent product (zero state) is counted although pgdl skips it.  PyTorch batch 1",
           "takes its images from an in-memory tensor; pgdl.predict reads each row through the executor."])

if __name__ == "__main__":
    nnbench.main(BENCH)
