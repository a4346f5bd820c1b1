//! Redraws the attention maps of a trained model without training again:
//!
//! ```text
//! cargo run --release -p transformer --example attention_map -- runs/09-transformer/model.safetensors out.svg
//! ```

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(
        args.len() == 3,
        "usage: attention_map CHECKPOINT OUT.svg (the checkpoint a training run saved)"
    );
    let (model, vocab) = transformer::checkpoint::load(std::path::Path::new(&args[1]))?;
    let line = "ROMEO:\nWhat light is this?";
    let ids = vocab.encode(line)?;
    let maps = transformer::figures::attention_weights(&model, &ids);
    let layers = [0, model.blocks.len() - 1];
    let chars: Vec<char> = line.chars().collect();
    let svg =
        transformer::figures::attention_svg(&maps, &layers[..model.blocks.len().min(2)], &chars);
    run::write_atomic(std::path::Path::new(&args[2]), svg.as_bytes())?;
    Ok(())
}
