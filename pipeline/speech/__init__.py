"""Speech: Whisper transcription, voice activity, flags on made-up text, speakers, and evaluation."""
