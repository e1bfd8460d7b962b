"""Drills: a hidden incident for a learner to diagnose and mitigate, Wheel of Misfortune style.

See docs/drills.md. The pieces: `causes` (the fixed answer choices), `incidents` (the catalog),
`model` (a drill's record), `scoring`, `hiding` (what the console and APIs may show while a
drill runs), `steady` (time to mitigate), `evidence` + `postmortem` (the debrief), `history`,
and `service` (the controller's drill loop).
"""
