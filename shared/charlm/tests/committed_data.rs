//! The baselines on the committed datasets: the numbers chapters 7 to 9 compare against.

use rand::SeedableRng;

fn data(file: &str) -> std::path::PathBuf {
    data::workspace_data_dir().join("text").join(file)
}

#[test]
fn tiny_shakespeare_baselines_improve_up_to_five_characters_of_context() {
    let text = charlm::text::load_text(&data("tinyshakespeare.txt"), 32, 64).unwrap();
    assert_eq!(
        (text.train.len(), text.valid.len(), text.vocab.len()),
        (1_003_855, 111_539, 65)
    );
    let baselines = charlm::ngram::text_baselines(&text);
    print!("{}", charlm::ngram::table(&baselines));
    let loss: Vec<f64> = baselines.iter().map(|b| b.valid_loss).collect();
    // Measured when this test was written: 3.347, 2.482, 2.045, 1.777, 1.750.
    assert!((loss[0] - 3.347).abs() < 0.01, "unigram {loss:?}");
    assert!((loss[2] - 2.045).abs() < 0.01, "trigram {loss:?}");
    assert!((loss[3] - 1.777).abs() < 0.01, "4-gram {loss:?}");
    assert!(
        loss.windows(2).all(|w| w[1] < w[0]),
        "longer contexts predict better: {loss:?}"
    );
}

#[test]
fn names_bigram_scores_about_two_and_a_half_nats() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let names = charlm::names::load_names(&data("names.txt"), &mut rng).unwrap();
    assert_eq!(
        (names.train.len(), names.valid.len(), names.test.len()),
        (25_627, 3_203, 3_203)
    );
    assert_eq!(names.vocab.len(), 27, "a to z and the end mark");
    let baselines = charlm::ngram::names_baselines(&names);
    print!("{}", charlm::ngram::table(&baselines));
    let bigram = baselines[1];
    let test = bigram.test_loss.unwrap();
    // makemore's bigram scores about 2.45 to 2.48 on its splits.
    assert!((2.40..2.55).contains(&test), "bigram test loss {test}");
    assert!(baselines[0].valid_loss > bigram.valid_loss + 0.2);
}
