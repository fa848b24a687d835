"""The portal's settings with the bench's URLs: the floor view lives only here."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
