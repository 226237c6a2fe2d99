"""The public booking page (``/t/book/<slug>``) and the appointment's page
(``/t/a/<token>``) with its QR code and ``.ics``: phone-sized, in every offered language,
everything below ``/t/`` (servicepoint/public.py)."""
