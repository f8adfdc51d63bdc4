"""The HQ service: back-office pages, the HQ API and the real-time service for stores."""
