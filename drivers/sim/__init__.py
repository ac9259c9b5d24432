"""What the simulators share (the simulators themselves live beside their device class)."""
