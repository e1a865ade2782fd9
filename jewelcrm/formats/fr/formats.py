# Une seule forme de date en français : « 5 déc. 2026 », « 5 déc. 2026, 14:30 ».
DATE_FORMAT = "j N Y"
SHORT_DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
MONTH_DAY_FORMAT = "j N"
YEAR_MONTH_FORMAT = "N Y"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
