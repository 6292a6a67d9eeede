"""What the TRL peers (bench_peer_trl.py, bench_peer_trl_rl.py) share: the process set up for timing, the
arguments that make a Trainer do its steps and nothing else, and a clock at each step's end."""
import os
import time
import warnings


def configure(threads):
    """Pins torch to `threads` threads, keeps the hubs offline and the libraries quiet. Call it before anything
    imports torch: the thread count must be set before torch loads its OpenMP runtime."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    warnings.filterwarnings("ignore")

    import datasets
    import torch
    import transformers

    torch.set_num_threads(threads)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()


def timing_only_arguments(output_dir, learning_rate):
    """TrainingArguments for fp32 full fine-tuning on the CPU, as Tally trains: a constant learning rate, AdamW
    without weight decay, clipping to norm 1; no evaluation, saving, reporting, progress bar or data workers."""
    return dict(
        output_dir=output_dir,
        learning_rate=learning_rate,
        lr_scheduler_type="constant",
        warmup_steps=0,
        weight_decay=0.0,
        max_grad_norm=1.0,
        bf16=False,
        fp16=False,
        use_cpu=True,
        eval_strategy="no",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
    )


def step_clock():
    """A TrainerCallback that reads the clock at the start of the first step (`first_begin`) and at the end of
    every step (`ends`)."""
    from transformers import TrainerCallback

    class StepClock(TrainerCallback):
        def __init__(self):
            self.first_begin = None
            self.ends = []

        def on_step_begin(self, args, state, control, **kwargs):
            if self.first_begin is None:
                self.first_begin = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.ends.append(time.perf_counter())

    return StepClock()
