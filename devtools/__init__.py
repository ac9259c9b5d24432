"""Developer tooling: never on a terminal, never imported by kiosk/, drivers/, offline_cache/, ui/.

The reference intake server, the rig, the screenshot tour, the face evaluation, the benchmarks
and one set of fictional citizens (samples). `kiosk-dev` (devtools.cli) runs them.
"""
