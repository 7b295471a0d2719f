"""Defaults that the core and the CLI share, in one import-free place.

Each value is either a published convention (cited) or our choice (said so); the README documents them. The
core uses them as parameter defaults and the CLI shows them in ``--help``, so the two cannot drift apart.
"""

from __future__ import annotations

# -- planning ---------------------------------------------------------------------------------------------------
PRESET = "epoch-2024"  # Besiroglu et al. 2024, the Epoch AI replication of Chinchilla's Approach 3
COMPARE_PRESETS = "epoch-2024,chinchilla,llama3-2024,deepseek-2024"  # the frontier plot's default set

# -- hardware -----------------------------------------------------------------------------------------------------
MFU = 0.40  # model FLOPs utilisation of large dense training runs (our choice; PaLM reports 46%, Llama 3 38-43%)
DTYPE = "bf16"

# -- fitting ------------------------------------------------------------------------------------------------------
# Most bootstrap resamples a fit, isoflop or simulate trial takes (our choice): 100,000 refits of 240 points take
# about 12 s, and more only shrinks a Monte Carlo error already far below the interval's width; a larger number
# (a typo of 1e9) would run for hours.
MAX_BOOTSTRAP = 100_000
TARGET_FACTOR = 100.0  # the extrapolation target defaults to 100x the largest compute in the data (our choice)

# -- study design (our choices, documented in the README) ----------------------------------------------------------
STUDY_SPAN = 4.0  # sizes from N*/4 to 4 N*: tokens per parameter from r*/16 to 16 r*
STUDY_NOISE = 0.01  # 1% log-space noise: the seed-to-seed spread of small runs
STUDY_TRIALS = 500
STUDY_BOOTSTRAP = 100
STUDY_LEVEL = 0.9
