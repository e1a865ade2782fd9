# One date format per language, unambiguous for European staff: "5 Dec 2026", "5 Dec 2026, 14:30".
# Tables, cards, PDFs and e-mails all use these (DATE_FORMAT and SHORT_DATE_FORMAT are the same on purpose).
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
