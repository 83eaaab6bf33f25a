"""Training frameworks that own the loop (Lightning, the Hugging Face Trainer): a callback per
framework, imported only when the user imports it (`from torchvitals.integrations.lightning
import VitalsCallback`), so `import torchvitals` never imports a framework."""
