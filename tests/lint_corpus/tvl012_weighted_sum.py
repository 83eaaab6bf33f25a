# expect: TVL012
# A segmentation loop averages the epoch loss weighted by batch size, with the loss tensor.
seen, epoch_loss = 0, 0.0
for imgs, masks in loader:
    opt.zero_grad()
    batch_loss = dice(seg(imgs), masks)
    batch_loss.backward()
    opt.step()
    epoch_loss += imgs.shape[0] * batch_loss
    seen += imgs.shape[0]
print(float(epoch_loss) / seen)
