from django.urls import path

app_name = "coding"

# Each feature adds its own block of paths below; all review pages live under
# /reviews/<slug>/.
urlpatterns: list = []
