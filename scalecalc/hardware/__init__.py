"""What a run costs on real machines: ``accelerators`` (FLOPs to GPU-hours, days, dollars, energy; the columns of
``plan --gpu``), ``memory`` (training and inference memory) and ``architecture`` (parameters and FLOPs per token
of a transformer shape). Accelerator files are read by :mod:`scalecalc.presets.hardware`.

Nothing is imported here, so that a command loads only the module it needs (the cold start is benchmarked).
"""
