"""Scenarios: scripted game days with a steady-state hypothesis, run by the controller.

A scenario file (YAML) says what "healthy" means (`steady_state`), which faults to inject when
(`steps`), when to give up (`abort_when`) and how fast the system must heal
(`recover_within`). The runner checks the hypothesis, applies the steps on time, measures
detection and recovery, always heals, and writes a report with charts.
"""
