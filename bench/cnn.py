"""bench/cnn.py: the measuring half of bench/cnn (see there for the method).

    cnn.py run --threads N [--epochs E] [--runs R] [--torch-only] --out FILE
        measures everything at N threads and writes the figures as JSON;
        bench/cnn runs it once per thread count, each in a fresh process
        started with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = N
    cnn.py report FILE...
        prints the side-by-side table of those runs

Connects with the PG* environment bench/cnn sets up; the tables
fashion_mnist and fashion_mnist_test (id, label, pixels real[784] in [0,1])
must be loaded.  The harness is bench/nnbench.py's (shared with lstm.py and
transformer.py); this file describes the model.  Progress goes to stderr,
the report to stdout.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnbench  # noqa: E402

LAYERS = ('[{"type":"conv2d","filters":16,"kernel":3,"activation":"relu"},'
          '{"type":"maxpool2d","pool":2},'
          '{"type":"conv2d","filters":32,"kernel":3,"activation":"relu"},'
          '{"type":"maxpool2d","pool":2},'
          '{"type":"flatten"},'
          '{"type":"dense","units":10}]')
# FLOPs of one image forward: 2 * C_in * kh * kw * C_out * H_out * W_out per
# convolution ('valid', stride 1), 2 * in * out for the dense layer; the
# pools and activations are not counted.  Training counts 3 x forward.
#   conv 1->16 3x3 on 28x28 -> 16x26x26; maxpool 2 -> 16x13x13
#   conv 16->32 3x3         -> 32x11x11; maxpool 2 -> 32x5x5 = 800 -> dense 10
FLOP_CONV1 = 2 * 1 * 3 * 3 * 16 * 26 * 26
FLOP_CONV2 = 2 * 16 * 3 * 3 * 32 * 11 * 11
FLOP_DENSE = 2 * 800 * 10


def torch_model(torch):
    torch.manual_seed(nnbench.SEED)
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(800, 10))


BENCH = nnbench.Bench(
    name="cnn", title="a CNN on Fashion-MNIST", model="fmnist_cnn", layers=LAYERS, input_shape=[1, 28, 28],
    torch_model=torch_model, flop_forward=FLOP_CONV1 + FLOP_CONV2 + FLOP_DENSE,
    flop_note=f"conv1 {FLOP_CONV1:,}, conv2 {FLOP_CONV2:,}, dense {FLOP_DENSE:,}",
    model_lines=("conv 1->16 3x3 ReLU, maxpool 2, conv 16->32 3x3 ReLU, maxpool 2, flatten, dense 800->10", ""),
    train_target=0.5,
    notes=["accuracy and % of peak: the difference in points.  FLOPs count the convolutions and the dense layer only",
           "(2 C_in kh kw C_out H_out W_out a convolution), x 3 for a training step, the same for both sides; the",
           "first convolution needs no input gradient, so the work really done is a little less.  PyTorch batch 1",
           "takes its images from an in-memory tensor; pgdl.predict reads each row through the executor."])

if __name__ == "__main__":
    nnbench.main(BENCH)
