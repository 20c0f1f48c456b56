"""The public static site and its templates."""

from prover.site.build import SiteError, build_site

__all__ = ["SiteError", "build_site"]
