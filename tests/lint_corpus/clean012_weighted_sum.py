# expect: clean
# The same weighted average kept as Python floats.
seen, epoch_loss = 0, 0.0
for imgs, masks in loader:
    opt.zero_grad()
    batch_loss = dice(seg(imgs), masks)
    batch_loss.backward()
    opt.step()
    epoch_loss += imgs.shape[0] * batch_loss.item()
    seen += imgs.shape[0]
print(epoch_loss / seen)
