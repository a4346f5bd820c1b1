//! `SMALLNETS_ENGINE` picks the engine of a program that does not call `set_engine`, and
//! anything but `reference` or `fast` is a clear panic. One test in its own test binary:
//! it changes the process's environment, which no other test may read meanwhile.

use tensor::{engine, set_engine, Engine, Tensor};

#[test]
fn the_variable_picks_the_engine_and_a_bad_value_names_it() {
    std::env::set_var("SMALLNETS_ENGINE", "turbo");
    let bad = std::panic::catch_unwind(|| {
        tensor::conv2d(
            &Tensor::zeros(&[1, 1, 3, 3]),
            &Tensor::zeros(&[1, 1, 2, 2]),
            None,
            1,
            0,
        )
    });
    let message = *bad
        .expect_err("an unknown engine must panic")
        .downcast::<String>()
        .unwrap();
    assert_eq!(
        message,
        "the environment variable SMALLNETS_ENGINE is \"turbo\"; set it to `reference` (the \
         plain ops the book shows) or `fast` (the default), or unset it"
    );
    std::env::set_var("SMALLNETS_ENGINE", "reference");
    assert_eq!(engine(), Engine::Reference);
    set_engine(Engine::Fast); // a program's own choice wins over the variable
    assert_eq!(engine(), Engine::Fast);
}
