"""Pages of the owner portal (public, per brand), the public item page, and the staff pages of the portal."""
