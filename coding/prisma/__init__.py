"""The PRISMA 2020 flow diagram of a review's stage one, drawn from its screening data."""
