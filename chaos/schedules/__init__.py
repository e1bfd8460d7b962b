"""Chaos on a timetable: scenario schedules (cron or interval) and the monkey.

Everything that decides *when* and *what* is pure (a function of a clock value, a snapshot of
the stack and a seeded random generator) so it is tested over a fake clock; the two services
(`scheduler`, `monkey`) only wrap those decisions in an asyncio loop.
"""
