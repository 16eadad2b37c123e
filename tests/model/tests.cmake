# tests/model: engine/model codecs.
aim_test(model_facts_codec_test model/facts_codec_test.cc)
target_link_libraries(model_facts_codec_test PRIVATE aim_model aim_rust)
