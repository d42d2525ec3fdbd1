"""Scripted hypothesis sweeps: many questions against a grid of settings, resumable,
on one machine or a Ray cluster. ``brainweave.sweep(spec, out=...)`` is the entry point."""
