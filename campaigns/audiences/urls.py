app_name = "campaign_audiences"

urlpatterns: list = []
