"""The messaging channels clients write through, one package each."""
