"""bench/transformer.py: the measuring half of bench/transformer (see there
for the method).

    transformer.py run --threads N [--epochs E] [--runs R] [--torch-only] --out FILE
        measures everything at N threads and writes the figures as JSON;
        bench/transformer runs it once per thread count, each in a fresh
        process started with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = N
    transformer.py report FILE...
        prints the side-by-side table of those runs

Connects with the PG* environment bench/transformer sets up; the tables
fashion_mnist and fashion_mnist_test (id, label, pixels real[784] in [0,1])
must be loaded.  The harness is bench/nnbench.py's (the same code measures
bench/lstm); this file describes the model: each image read as 28 steps of
28 features, a linear projection to 64, one transformer encoder layer (4
heads, feed-forward 128, ReLU, post-norm, dropout 0.1), the mean over the
steps, a dense layer of 10.  Progress goes to stderr, the report to stdout.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnbench  # noqa: E402

T, F, D, HEADS, FF, CLASSES, DROPOUT = 28, 28, 64, 4, 128, 10, 0.1
LAYERS = (f'[{{"type":"dense","units":{D},"activation":"linear"}},'
          f'{{"type":"transformer_encoder","heads":{HEADS},"ff_dim":{FF},"dropout":{DROPOUT}}},'
          '{"type":"global_avgpool"},'
          f'{{"type":"dense","units":{CLASSES}}}]')
# FLOPs of one image forward, 2 x the multiply-adds of the products:
#   projection     (T, F) x (F, D)                 2 T F D
#   Q, K, V        (T, D) x (D, 3D)                2 T D 3D
#   scores Q K^T   per head (T, D/h) x (D/h, T)    2 T T D   (all heads)
#   weights x V    per head (T, T) x (T, D/h)      2 T T D
#   output proj.   (T, D) x (D, D)                 2 T D D
#   feed-forward   (T, D) x (D, FF), (T, FF) x (FF, D)   2 x 2 T D FF
#   dense          (D) x (D, 10)                   2 D 10 (after the mean)
# Softmax, layer norms, ReLU, dropout, the residual sums and the mean are not
# counted.  Training: 3 x forward.
FLOP_PROJ = 2 * T * F * D
FLOP_QKV = 2 * T * D * 3 * D
FLOP_ATTN = 2 * (2 * T * T * D)
FLOP_OUT = 2 * T * D * D
FLOP_FF = 2 * (2 * T * D * FF)
FLOP_DENSE = 2 * D * CLASSES


def torch_model(torch):
    torch.manual_seed(nnbench.SEED)
    nn = torch.nn

    class Encoder(nn.Module):
        """nn.Linear(28, 64) on every step, nn.TransformerEncoderLayer, mean over the steps, nn.Linear(64, 10)."""

        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(F, D)
            self.encoder = nn.TransformerEncoderLayer(d_model=D, nhead=HEADS, dim_feedforward=FF,
                                                      dropout=DROPOUT, batch_first=True)
            self.dense = nn.Linear(D, CLASSES)

        def forward(self, x):
            return self.dense(self.encoder(self.proj(x)).mean(1))

    return Encoder()


BENCH = nnbench.Bench(
    name="transformer", title="a transformer encoder on Fashion-MNIST (28 steps x 28 features)",
    model="fmnist_transformer", layers=LAYERS, input_shape=[T, F], torch_model=torch_model,
    flop_forward=FLOP_PROJ + FLOP_QKV + FLOP_ATTN + FLOP_OUT + FLOP_FF + FLOP_DENSE,
    flop_note=(f"projection {FLOP_PROJ:,}, QKV {FLOP_QKV:,}, QK^T and PV {FLOP_ATTN:,}, output {FLOP_OUT:,},"
               f" feed-forward {FLOP_FF:,}, dense {FLOP_DENSE:,}"),
    model_lines=(f"each image as {T} steps x {F} features, dense {F}->{D} linear, transformer encoder layer"
                 f" ({HEADS} heads, feed-forward {FF} ReLU, post-norm, dropout {DROPOUT:g}), mean over the steps,"
                 f" dense {D}->{CLASSES}",
                 f"PyTorch nn.TransformerEncoderLayer(d_model={D}, nhead={HEADS}, dim_feedforward={FF},"
                 f" dropout={DROPOUT:g}, batch_first=True); "),
    train_target=None,                  # the issue sets none for this model
    notes=["accuracy and % of peak: the difference in points.  FLOPs count the products only (projection, Q/K/V,",
           "Q K^T, weights x V, output projection, feed-forward, dense), x 3 for a training step, the same for both",
           "sides.  PyTorch batch 1 takes its images from an in-memory tensor; pgdl.predict reads each row through",
           "the executor."],
    pending_note="pgdl: pending (run without --torch-only once pgdl has the transformer_encoder layer).")

if __name__ == "__main__":
    nnbench.main(BENCH)
