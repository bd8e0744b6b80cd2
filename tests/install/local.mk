# Running as a service: systemd notifications, the unit file, an install
# into a scratch DESTDIR that runs.
TESTS += tests/install/test_sd_notify.sh tests/install/test_unit_file.sh tests/install/test_install.sh
EXTRA_DIST += tests/install/test_sd_notify.sh tests/install/test_unit_file.sh tests/install/test_install.sh
# Run by tools/check, not make check: it installs and purges packages as root.
EXTRA_DIST += tests/install/test_deb.sh
