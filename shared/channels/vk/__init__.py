"""VK community messages (Callback API in, the VK API out): everything the VK channel needs."""
