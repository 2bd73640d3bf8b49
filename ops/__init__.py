"""Running an installation: the doctor, provider set-up, backup and restore."""
