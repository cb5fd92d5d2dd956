"""The media server's interface in Python: in-process through the engine, or against a server URL.

    from pipeline.apps.client import ClientConfig, MediaClient
    client = MediaClient(ClientConfig(local=True, remotes=["http://gpu-box:8000"]))
    result = client.speak("Hello.", "hello.wav")      # local first; on failure the next server, logged
"""

from pipeline.apps.client.api import Api, ApiError
from pipeline.apps.client.client import ClientConfig, MediaClient, NoBackend, Result

__all__ = ["Api", "ApiError", "ClientConfig", "MediaClient", "NoBackend", "Result"]
