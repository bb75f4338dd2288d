app_name = "sheets"

# The self-evaluation sheet, the summary workbook and the entry workbook import (issue 5).
urlpatterns: list = []
