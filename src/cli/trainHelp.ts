// The text of `senn train --help` (the options themselves are parsed in train.ts).
import { DATASET_HELP } from './datasets.js';
import { ADAPTER_HELP, delimiterHelp } from './options.js';

export const TRAIN_HELP = `Usage: senn train [options]

Train a network on a dataset, print one line per epoch (with a progress bar on a terminal),
then evaluate it on the test split.

Options:
  --dataset NAME     mnist | fashion-mnist | spirals | xor | regression | FILE.csv (default mnist)
  --data-dir DIR     directory of IDX files for mnist / fashion-mnist
  --target COLUMN    CSV: the column to predict
  --ignore COLUMNS   CSV: columns that are not features (an id, a name), joined by ","
  --task TASK        CSV: classification | regression                  (default classification)
  --test FILE        CSV: test file (default: 20% of the file held out)
${delimiterHelp('a comma')}
  --arch SIZES       layer sizes, inputs first   (default 784-96-10; 2-D data 2-32-32-C; CSV F-32-C)
  --activation NAME  the hidden layers' activation: relu | tanh | sigmoid | identity (a
                     --pool layer's identity), or one per hidden layer joined by ","
                     (layers grown later are relu; the outputs take the loss's softmax)
                                                                       (default relu)
  --local K,S,F[,P]  a locally connected first layer (a convolution without weight sharing):
                     F neurons per K×K window, windows S pixels apart, P pixels of zero
                     padding (default 0); its size follows (MNIST --local 6,2,4:
                     12×12×4 = 576 neurons, arch 784-576-10); again for a second one over
                     the first's 12×12×4 output, and so on
  --conv K,S,F[,P]   the same windows sharing their weights: a convolution of F filters
                     (F·K²·C weights and F biases); --local and --conv layers stack in
                     the order given. --expandable may list a convolution's layer:
                     its splits keep the weights shared by position
  --pool K[,S[,P]]   max pooling over the layer before (a --conv or --local one): K×K
                     windows S pixels apart (default K: not overlapping), each channel
                     on its own; no weights (MNIST --conv 5,1,8,2 --pool 2: 14×14×8)
  --avg-pool K[,S[,P]] the same windows averaged (K = the image's side: global average pooling)
  --image WxH[xC]    --local / --conv / --augment-shift: the inputs' image shape (default:
                     square, one channel)
  --augment-shift N  train on images moved at random by up to N pixels each way, a new
                     draw for every image and epoch (on the GPU; validation and test
                     images stay as they are)                          (default 0)
  --epochs N         training epochs                                   (default 20)
  --batch N          batch size                                        (default 256)
  --lr X             learning rate                                     (default 1e-3)
  --optimizer NAME   adam | adamw | sgd                                (default adam)
  --weight-decay X   weight decay                                      (default 0; adamw 0.01)
  --momentum X       SGD momentum                                      (default 0)
  --nesterov         SGD with Nesterov momentum (needs --momentum above 0)
  --init NAME        linear (nn.Linear's U(±1/√fan_in)) | he-uniform | glorot-uniform:
                     how a new network's weights start; the last two start biases at 0
                                                                       (default linear)
  --max-grad-norm X  clip the gradient to global L2 norm X before each update (as
                     PyTorch's clip_grad_norm_); inf: measure it, never clip. The
                     epoch lines then show the norm's mean and the steps clipped
  --label-smoothing X
                     classification: train towards 1 − X for the label plus X / classes
                     for every class (PyTorch's label_smoothing; default 0); the
                     training loss shown is the smoothed one, validation and test
                     losses the plain one
  --class-weights W  classification: balanced (each class weighted by rows / (classes ×
                     its rows), so rare classes count as much as common ones) or one
                     weight per class joined by "," (like 1,1,5): each training row's
                     loss and gradient times its class's weight (Keras's class_weight);
                     validation and test losses stay unweighted
  --dropout X        drop each hidden value with probability X in training, the kept
                     ones scaled by 1 / (1 − X) (inverted dropout, levels grown later
                     too; default 0); validation, test and saved models use them all
  --input-dropout X  the same for the inputs (each pixel of a training batch;
                     default 0)
  --lr-schedule NAME constant | step | cosine (over this run's epochs)  (default constant)
  --lr-step-epochs N step: multiply the rate by --lr-gamma every N epochs
  --lr-gamma X       step: the factor                                  (default 0.1)
  --min-lr X         cosine: the rate it ends at                       (default 0)
  --warmup-epochs N  raise the rate linearly over the first N epochs   (default 0)
  --lr-restart-at-growth
                     start the schedule again (warm-up included) after each expansion,
                     over the epochs left
  --seed N           seed of initialisation, split and shuffles       (default 0)
  --seeds LIST       the same run once per seed (like 0,1,2 or 0-4), then the test result,
                     parameters and time of each, their mean, standard deviation and
                     range; --json writes them with every run's JSON. The runs share
                     one device: the first one's time includes compiling the kernels.
                     Not with --seed, --resume, --save, --save-every, --save-statistics,
                     --keep-best
  --val-fraction X   share of the training set held out for validation (default 0.2)
  --train-rows N     use N rows of the training set (a random subset, by --seed) before
                     the validation split, for a quick run; the test split stays whole
                     (default all)
  --save FILE        write a checkpoint (graph, weights, optimizer state, history) when done
  --save-every N     also write it every N epochs while training (the network as it is then),
                     so a crash loses at most N epochs; each write replaces the file whole
  --save-statistics  keep each edge's running gradient statistics (Σ|g|, Σg, Σg² of its epoch)
                     in the --save file, for scoring it later (runtime.loadNetwork, then
                     scoreEdges); collected in every epoch, a few percent slower
  --resume FILE      continue training the checkpoint FILE (its dataset and options are the
                     defaults; --epochs more epochs); combine with --save to keep the result.
                     A run stopped before its end (Ctrl-C, --save-every) given the epochs it
                     had left trains them as if it had not stopped, its schedule included
  --json FILE        write the run (senn's version, adapter, args, epochs, growth, test) as JSON
  --keep-best        end with the network of the epoch of lowest validation loss (among
                     epochs without growth) instead of the last one: test, --save and
                     --json use it
  --early-stop N     stop when the validation loss has not improved on its lowest for N
                     epochs (growth included: a stall that growth does not mend ends the run)
  --max-upload-mb N  hold at most N MiB of the training (and of the validation) data on the
                     GPU at once; larger data is written there a part at a time each epoch,
                     with the same result          (default: one buffer of the adapter)
${ADAPTER_HELP}
  -h, --help         show this help

Ctrl-C stops training at the end of the epoch in progress and goes on as if the run had
ended there (test, --save, --json); a second Ctrl-C quits at once.

Self-expansion (ALGORITHM.md; defaults are the reference MNIST values):
  --expand                  grow the network while it trains
  --expandable LAYERS       layers whose incoming edges may split, as indices into --arch
                            (1 = the first hidden layer) joined by ",", e.g. 1,2 (the output)
  --metric NAME             abs-grad | grad-variance | weight-sq | weight-abs | taylor
                            (|w|·mean|g|)                                      (abs-grad)
  --aggregation NAME        mean | variance                                    (mean)
  --choose-threshold X      split edges with normalised score above X          (0.7)
  --max-to-replace N        at most N splits per expansion                     (900)
  --max-parameters N        no split leaves more than N parameters (the most
                            significant edges that fit are split)       (no limit)
  --loss-change-threshold X expand when mean |Δ val loss| over the window < X  (0.005)
  --window N                epochs in the plateau window                       (5)
  --min-epochs-between N    epochs between expansions                          (8)
  --delete-after N          prune N epochs after an expansion                  (2)
  --delete-threshold X      remove new ε edges with normalised score below X   (0.1)
  --prune-metric NAME       metric that scores new edges for pruning         (--metric)
  --prune-normalization M   together: one min–max over the edges into the new and the
                            expanded level (ALGORITHM.md); per-level: each level's edges
                            on their own (the reference code's pruning)         (together)
  --fully-connected         new neurons take ε from every parent
  --exact-split MODE        split edges into relu(x) and relu(−x) neurons with out-weights w
                            and −w, which keeps the function for parents of any sign: signed:
                            the edges whose parent can be negative (signed inputs such as
                            standardised CSV features, tanh units); all: every edge (off)
  --neurons-per-edge K      each split edge becomes K ReLU hinges at knots 0, S, 2S, … that
                            keep the function at the split (the first carries the edge's
                            weight, the others start at 0) and let training bend it   (1)
  --knot-spacing S          distance between a split edge's knots                 (1/K)
  --reset-optimizer         clear Adam's moments at each split/prune (reference behaviour)
  --late-splits             split also where the prune would come after the last epoch (the
                            reference code does; those ε edges then stay unpruned)
  --inverted-prune          prune the new edges ABOVE the threshold, reproducing the reference
                            code's inverted comparison (a defect; for comparisons only)
  --statistics MODE         running (during training) | exact (extra pass)     (running)
  --compare-fixed           then train a fixed network the same way: one hidden ReLU layer,
                            as wide as the parameters the run ended with allow; print both
                            test results (--json: the fixed run's as "fixed"; --seeds: the
                            mean of each). Does growing pay on this data?

${DATASET_HELP}
`;
