"""FireRedTTS2 worker for the Fireside pod server: one process per GPU, spoken to over stdio."""
