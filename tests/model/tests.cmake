# tests/model: engine/model codecs.
aim_test(model_facts_codec_test model/facts_codec_test.cc)
target_link_libraries(model_facts_codec_test PRIVATE aim_model aim_rust)
aim_test(model_strings_test model/strings_test.cc)
target_link_libraries(model_strings_test PRIVATE aim_model)
