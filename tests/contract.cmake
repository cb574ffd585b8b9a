# Contract checks wired to ../shared/tools (see its README). One line per checked command.
lowspec_contract(metrics ${Python3_EXECUTABLE} ${LOWSPEC_TOOLS}/check_metrics.py ${LS} ${LOWSPEC_FIXTURES}/metrics)
lowspec_contract(encoders ${Python3_EXECUTABLE} ${LOWSPEC_TOOLS}/check_models.py ${LS} ${LOWSPEC_FIXTURES}/hf-tiny encoders distilbert-qa distilbert-mlm mobilebert-qa mobilebert-mlm mobilebert-qa-bottleneck-attention)
lowspec_contract(decoders ${Python3_EXECUTABLE} ${LOWSPEC_TOOLS}/check_models.py ${LS} ${LOWSPEC_FIXTURES}/hf-tiny decoders llama llama-f16 llama-bf16 phi gemma gemma-legacy-act)
lowspec_contract(tokenizers ${Python3_EXECUTABLE} ${LOWSPEC_TOOLS}/check_tokenizers.py ${LS} ${LOWSPEC_FIXTURES} ${LOWSPEC_FIXTURES}/tokenizers/golden)
