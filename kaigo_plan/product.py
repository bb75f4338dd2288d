"""The product's name as users read it: one constant for every page title, header and footer."""

PRODUCT_NAME = "介護保険 保険者機能強化 自己評価管理"
# In the browser tab, where space is short.
PRODUCT_SHORT_NAME = "介護保険 自己評価管理"
