"""Benchmarks (never timed tests): how long each check takes on correct code.

    python -m vae_lesson.bench checks
"""
import argparse
import statistics
import time

import solutions

from . import check

CHECKS = {
    "encoder": (check.encoder, solutions.Encoder), "reparameterize": (check.reparameterize, solutions.reparameterize),
    "decoder": (check.decoder, solutions.Decoder), "kl_divergence": (check.kl_divergence, solutions.kl_divergence),
    "vae_loss": (check.vae_loss, solutions.vae_loss), "vae": (check.vae, solutions.VAE),
}


def bench_checks(repeats=20):
    print(f"{'check':<16}{'median':>10}{'max':>10}   (seconds over {repeats} runs, correct code, after one warm-up)")
    worst = 0.0
    for name, (run_check, reference) in CHECKS.items():
        assert run_check(reference).passed
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run_check(reference)
            times.append(time.perf_counter() - start)
        worst = max(worst, max(times))
        print(f"{name:<16}{statistics.median(times):>10.4f}{max(times):>10.4f}")
    print(f"slowest single check: {worst:.3f} s (goal: under 0.5 s)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.bench")
    parser.add_argument("what", choices=["checks"])
    parser.parse_args(argv)
    bench_checks()


if __name__ == "__main__":
    main()
